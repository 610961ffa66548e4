// The upload forms' progress, for browsers that run the console's script: the same form, sent with progress events.
// Without script the form posts as it is; the page the server answers with is the same either way.

export const uploadProgressJs = `
  document.addEventListener('submit', (event) => {
    const form = event.target.closest && event.target.closest('form[data-upload]');
    if (!form || !window.FormData || !form.checkValidity()) return;
    event.preventDefault();
    const box = form.querySelector('[data-upload-progress]');
    const bar = box.querySelector('progress');
    const said = box.querySelector('[data-upload-status]');
    const button = form.querySelector('button[type=submit]');
    box.hidden = false;
    button.disabled = true;
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', (p) => {
      if (!p.lengthComputable) return;
      bar.max = p.total;
      bar.value = p.loaded;
      said.textContent = Math.floor((100 * p.loaded) / p.total) + '%';
    });
    xhr.upload.addEventListener('load', () => { said.textContent = form.dataset.uploaded; });
    const replaceMain = () => {
      // A refusal comes back as the page with its problems in place: show it as a plain post would.
      const doc = new DOMParser().parseFromString(xhr.responseText, 'text/html');
      const main = doc.querySelector('main');
      if (!main) return form.submit();
      document.querySelector('main').replaceWith(main);
      document.title = doc.title;
      const problem = main.querySelector('[aria-invalid=true]');
      if (problem) problem.focus();
    };
    xhr.addEventListener('load', () => {
      if (xhr.status < 300 && xhr.responseURL && xhr.responseURL !== form.action) location.assign(xhr.responseURL);
      else replaceMain();
    });
    xhr.addEventListener('error', () => form.submit());
    xhr.send(new FormData(form));
  });
`;
