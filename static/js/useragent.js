// Reads a browser and an operating system out of a User-Agent header, for
// people to recognise their devices. Good enough for a label; the raw header
// is shown next to it.

const BROWSERS = [
  // Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/(?:OPR|Opera)\/(\d+)/, 'Opera'],
  [/SamsungBrowser\/(\d+)/, 'Samsung Internet'],
  [/(?:Firefox|FxiOS)\/(\d+)/, 'Firefox'],
  [/HeadlessChrome\/(\d+)/, 'Chrome (headless)'],
  [/(?:Chrome|CriOS)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
  [/curl\/(\d+)/, 'curl'],
  [/python-requests\/(\d+)/, 'Python requests'],
  [/python-httpx\/(\d+)/, 'Python httpx'],
];

const SYSTEMS = [
  [/Windows NT/, 'Windows'],
  [/(?:iPhone|iPad|iPod).*? OS (\d+)/, 'iOS'],
  [/Mac OS X/, 'macOS'],
  [/Android (\d+)/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

function match(table, userAgent) {
  for (const [pattern, name] of table) {
    const found = pattern.exec(userAgent);
    if (found) return found[1] ? `${name} ${found[1]}` : name;
  }
  return null;
}

// {browser, os, label}: e.g. {browser: "Firefox 128", os: "Windows", label: "Firefox 128 on Windows"}.
export function describeUserAgent(userAgent) {
  const browser = match(BROWSERS, userAgent || '');
  const os = match(SYSTEMS, userAgent || '');
  let label;
  if (browser && os) label = `${browser} on ${os}`;
  else label = browser || os || (userAgent ? 'Unknown browser' : 'Unknown device');
  return { browser, os, label };
}
