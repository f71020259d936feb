// /posts/: the list (paginated, newest first), writing, editing and deleting
// your own posts. Others' posts get no controls (the API refuses them anyway).
// Signed out, api.js sends the browser to /login/?next=/posts/; so does a
// sign-out in another tab. A sign-in in another tab (perhaps as someone else)
// shows the list again, with the controls of the user now signed in.
import { SignedOut, api, currentUser, discard, json, onSessionChange, paths, requireUser } from '../api.js';
import { announce, busy, clearErrors, formData, fromTemplate, part, showErrors, timeElement } from '../ui.js';

const list = document.getElementById('post-list');
const form = document.getElementById('post-form');
let me = null;

function pageNumber(url) {
  if (!url) return null;
  return new URL(url, window.location.origin).searchParams.get('page') || '1';
}

function currentPage() {
  const page = Number.parseInt(new URLSearchParams(window.location.search).get('page'), 10);
  return Number.isInteger(page) && page > 0 ? page : 1;
}

function setPagerLink(link, page) {
  link.hidden = page === null;
  if (page !== null) link.href = page === '1' ? '/posts/' : `/posts/?page=${encodeURIComponent(page)}`;
}

function renderPost(post) {
  const item = fromTemplate('post-template');
  item.dataset.postId = post.id;
  const titleId = `post-${post.id}-title`;
  item.querySelector('article').setAttribute('aria-labelledby', titleId);
  part(item, 'title').id = titleId;
  fillPost(item, post);

  if (me && post.author.id === me.id) {
    part(item, 'controls').hidden = false;
    const editTitle = part(item, 'edit-title');
    const editBody = part(item, 'edit-body');
    editTitle.id = `post-${post.id}-edit-title`;
    editBody.id = `post-${post.id}-edit-body`;
    part(item, 'edit-title-label').htmlFor = editTitle.id;
    part(item, 'edit-body-label').htmlFor = editBody.id;
    item.querySelector('[data-action="edit"]').addEventListener('click', () => startEditing(item));
    item.querySelector('[data-action="cancel"]').addEventListener('click', () => stopEditing(item));
    item.querySelector('[data-action="delete"]').addEventListener('click', (event) => deletePost(item, event));
    // The edit form joins the page only while editing, so "Title" and "Body"
    // name the one writing form the rest of the time.
    item.editForm = part(item, 'edit-form');
    item.editForm.addEventListener('submit', (event) => savePost(item, event));
    item.editForm.remove();
  } else {
    // Nothing to edit: drop the controls rather than merely hide them.
    part(item, 'controls').remove();
    part(item, 'edit-form').remove();
  }
  return item;
}

function fillPost(item, post) {
  item.post = post;
  part(item, 'title').textContent = post.title;
  part(item, 'author').textContent = post.author.username;
  part(item, 'created').replaceChildren(timeElement(post.created_at));
  const edited = part(item, 'edited');
  edited.textContent = '';
  // Saving a new post stamps both times a few microseconds apart: not an edit.
  if (post.updated_at && Date.parse(post.updated_at) - Date.parse(post.created_at) > 1000) {
    edited.append(' · edited ', timeElement(post.updated_at));
  }
  part(item, 'body').textContent = post.body;
}

function startEditing(item) {
  const { editForm } = item;
  part(editForm, 'edit-title').value = item.post.title;
  part(editForm, 'edit-body').value = item.post.body;
  clearErrors(editForm);
  part(item, 'view').hidden = true;
  editForm.hidden = false;
  part(item, 'view').after(editForm);
  part(editForm, 'edit-title').focus();
}

function stopEditing(item) {
  item.editForm.remove();
  part(item, 'view').hidden = false;
  item.querySelector('[data-action="edit"]').focus();
}

async function savePost(item, event) {
  event.preventDefault();
  const editForm = event.currentTarget;
  await busy(editForm, async () => {
    const response = await api(`${paths.posts}${item.post.id}/`, { method: 'PATCH', body: formData(editForm) });
    const body = await json(response);
    if (!response.ok) {
      showErrors(editForm, body);
      return;
    }
    fillPost(item, body);
    stopEditing(item);
    announce('Post saved.', 'success');
  });
}

async function deletePost(item, event) {
  if (!window.confirm(`Delete "${item.post.title}"? This cannot be undone.`)) return;
  const button = event.currentTarget;
  button.disabled = true;
  try {
    const response = await api(`${paths.posts}${item.post.id}/`, { method: 'DELETE' });
    if (response.status !== 204) {
      announce((await json(response)).detail || 'Could not delete the post.', 'error');
      return;
    }
    announce('Post deleted.', 'success');
    await loadPosts();
  } finally {
    button.disabled = false;
  }
}

// One page of posts from the API, or null (after saying why).
async function fetchPage() {
  const page = currentPage();
  const response = await api(`${paths.posts}?page=${page}`);
  if (response.status === 404 && page !== 1) {
    // Past the last page (posts were deleted): show the first one instead.
    await discard(response);
    window.history.replaceState(null, '', '/posts/');
    return fetchPage();
  }
  if (!response.ok) {
    await discard(response);
    announce('Could not load the posts. Please reload the page.', 'error');
    return null;
  }
  return json(response);
}

function renderPage({ count, next, previous, results }) {
  list.replaceChildren(...results.map(renderPost));
  document.getElementById('posts-empty').hidden = count > 0;
  document.getElementById('post-count').textContent = count ? `(${count})` : '';
  document.getElementById('pager').hidden = !next && !previous;
  setPagerLink(document.getElementById('pager-previous'), pageNumber(previous));
  setPagerLink(document.getElementById('pager-next'), pageNumber(next));
  document.getElementById('pager-status').textContent = `Page ${currentPage()}`;
}

async function loadPosts() {
  const data = await fetchPage();
  if (data) renderPage(data);
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  await busy(form, async () => {
    const response = await api(paths.posts, { method: 'POST', body: formData(form) });
    const body = await json(response);
    if (response.status !== 201) {
      showErrors(form, body);
      return;
    }
    form.reset();
    clearErrors(form);
    announce(`Published "${body.title}".`, 'success');
    if (currentPage() !== 1) window.history.pushState(null, '', '/posts/');
    await loadPosts();
  });
});

// Who I am and the first page, at once: with an expired access token both
// fail with 401 and share one refresh (api.js).
try {
  const [user, data] = await Promise.all([requireUser(), fetchPage()]);
  me = user;
  if (data) renderPage(data);
  document.getElementById('posts-pending').hidden = true;
  document.getElementById('posts-ready').hidden = false;
  onSessionChange({
    signedIn: async () => {
      me = await currentUser();
      await loadPosts();
    },
  });
} catch (error) {
  if (!(error instanceof SignedOut)) throw error;
  // api.js is already on its way to the login page.
}
