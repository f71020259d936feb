"""Static files storage for production: hashed names all the way down, ES module imports included."""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """whitenoise's compressed, hashed storage that also rewrites ``import … from './api.js'``.

    Each page loads its script by hashed name (``{% static %}``), but the
    script's own imports name plain paths, which the browser resolves to the
    unhashed, briefly cached files: after a deploy a new page script could run
    against an old ``api.js`` still in the cache. Django's
    ``support_js_module_import_aggregation`` rewrites every relative import in
    the collected scripts to the imported file's hashed name, so one deploy's
    scripts only ever load each other.
    """

    support_js_module_import_aggregation = True
    # Django's own patterns, applied to our scripts only (static/js/): the other
    # apps' scripts are no ES modules, and scanning them (megabytes of minified
    # admin and Swagger UI code) took 3.5 of collectstatic's seconds and changed
    # nothing. Should Django rename this attribute, every script is scanned again:
    # slower, never wrong.
    _js_module_import_aggregation_patterns = (
        "js/*.js",
        ManifestStaticFilesStorage._js_module_import_aggregation_patterns[1],
    )
