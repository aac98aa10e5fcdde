/* Peerway: a form sent by POST cannot be sent twice by a double click or an impatient
   second press. Once the browser sends it, its submit buttons are disabled (and say so
   to assistive technology); they come back when the page is shown again (the browser's
   Back button, a page restored from its cache), when an htmx request ends, or after a
   while if no new page came (a download). Served from the server itself, no inline
   script: fits the Content Security Policy. Without JavaScript forms work as before; the
   server also treats a repeated create as one (docs/decisions.md).

   A form that must stay sendable (rare) carries data-peerway-resubmit. */
(function () {
  "use strict";
  var SENDING = "peerwaySending";
  var RELEASE_AFTER_MS = 15000;
  var BUTTONS = 'button[type="submit"], button:not([type]), input[type="submit"], input[type="image"]';

  function buttonsOf(form) {
    var inside = Array.prototype.slice.call(form.querySelectorAll(BUTTONS));
    if (form.id) {
      /* Buttons elsewhere on the page that belong to this form (form="id"). */
      var outside = document.querySelectorAll('[form="' + form.id + '"]');
      for (var i = 0; i < outside.length; i++) {
        if (outside[i].matches(BUTTONS)) inside.push(outside[i]);
      }
    }
    return inside;
  }

  function release(form) {
    if (!form || !form.dataset[SENDING]) return;
    delete form.dataset[SENDING];
    buttonsOf(form).forEach(function (button) {
      if (button.dataset.peerwayDisabled) {
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        delete button.dataset.peerwayDisabled;
      }
    });
  }

  function hold(form) {
    buttonsOf(form).forEach(function (button) {
      if (!button.disabled) {
        button.disabled = true;
        button.setAttribute("aria-disabled", "true");
        button.dataset.peerwayDisabled = "1";
      }
    });
    window.setTimeout(function () { release(form); }, RELEASE_AFTER_MS);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("data-peerway-resubmit")) return;
    var method = ((event.submitter && event.submitter.getAttribute("formmethod")) || form.method || "").toLowerCase();
    if (method !== "post") return;
    if (form.dataset[SENDING]) {
      event.preventDefault(); /* already on its way */
      return;
    }
    form.dataset[SENDING] = "1";
    /* Disabled just after the event: the pressed button's name and value are still sent. */
    window.setTimeout(function () {
      if (event.defaultPrevented && !form.hasAttribute("hx-post")) {
        release(form); /* another script stopped the submit: nothing was sent */
        return;
      }
      hold(form);
    }, 0);
  });

  window.addEventListener("pageshow", function () {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) release(forms[i]);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.closest) release(elt.closest("form"));
  });
})();
