// The script of the built-in macros: click-to-load video embeds and the image lightbox.
// Plain ES2017 for browsers, no dependencies; pages work without it (links open the images).
export const MACROS_JS = `/* bds built-in macros */
(function () {
  'use strict';
  if (window.__bdsMacros) return;
  window.__bdsMacros = true;

  var EMBED_HOSTS = /^https:\\/\\/(www\\.youtube-nocookie\\.com\\/embed\\/|player\\.vimeo\\.com\\/video\\/)/;

  function loadEmbed(box) {
    var src = box.getAttribute('data-embed-src') || '';
    if (!EMBED_HOSTS.test(src)) return;
    var iframe = document.createElement('iframe');
    iframe.src = src;
    iframe.title = box.getAttribute('data-embed-title') || '';
    iframe.setAttribute('allow', box.getAttribute('data-embed-allow') || '');
    iframe.setAttribute('allowfullscreen', '');
    iframe.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
    box.textContent = '';
    box.classList.add('bds-embed-loaded');
    box.appendChild(iframe);
    iframe.focus();
  }

  var dialog = null;
  var group = [];
  var current = 0;

  function button(cls, label, text, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = cls;
    b.setAttribute('aria-label', label);
    b.textContent = text;
    b.addEventListener('click', function (e) {
      e.stopPropagation();
      onClick();
    });
    return b;
  }

  function ensureDialog() {
    if (dialog) return dialog;
    dialog = document.createElement('dialog');
    dialog.className = 'bds-lightbox';
    dialog.setAttribute('aria-label', 'Image viewer');
    var figure = document.createElement('figure');
    figure.appendChild(document.createElement('img'));
    figure.appendChild(document.createElement('figcaption'));
    var count = document.createElement('span');
    count.className = 'bds-lightbox-count';
    dialog.appendChild(figure);
    dialog.appendChild(count);
    dialog.appendChild(button('bds-lightbox-prev', 'Previous image', '\\u2039', function () { show(current - 1); }));
    dialog.appendChild(button('bds-lightbox-next', 'Next image', '\\u203a', function () { show(current + 1); }));
    dialog.appendChild(button('bds-lightbox-close', 'Close', '\\u00d7', function () { dialog.close(); }));
    dialog.addEventListener('click', function (e) {
      if (e.target === dialog || e.target === figure) dialog.close();
    });
    dialog.addEventListener('keydown', function (e) {
      if (e.key === 'ArrowLeft') show(current - 1);
      else if (e.key === 'ArrowRight') show(current + 1);
    });
    dialog.addEventListener('close', function () {
      var img = dialog.querySelector('img');
      img.removeAttribute('src');
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  function show(index) {
    if (group.length === 0) return;
    current = (index + group.length) % group.length;
    var link = group[current];
    var img = dialog.querySelector('img');
    var caption = dialog.querySelector('figcaption');
    var inner = link.querySelector('img');
    img.src = link.getAttribute('href');
    img.alt = inner ? inner.getAttribute('alt') || '' : '';
    caption.textContent = link.getAttribute('data-title') || '';
    dialog.querySelector('.bds-lightbox-count').textContent = group.length > 1 ? current + 1 + ' / ' + group.length : '';
    var several = group.length > 1;
    dialog.querySelector('.bds-lightbox-prev').hidden = !several;
    dialog.querySelector('.bds-lightbox-next').hidden = !several;
  }

  function openLightbox(link) {
    var name = link.getAttribute('data-lightbox');
    group = Array.prototype.filter.call(document.querySelectorAll('a[data-lightbox]'), function (a) {
      return a.getAttribute('data-lightbox') === name;
    });
    ensureDialog();
    show(group.indexOf(link));
    if (!dialog.open) dialog.showModal();
  }

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var load = target.closest('.bds-embed-load');
    if (load) {
      var box = load.closest('.bds-embed');
      if (box) {
        event.preventDefault();
        loadEmbed(box);
      }
      return;
    }
    var link = target.closest('a[data-lightbox]');
    if (!link || event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (typeof HTMLDialogElement !== 'function') return;
    event.preventDefault();
    openLightbox(link);
  });
})();
`;
