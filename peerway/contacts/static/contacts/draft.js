/* Peerway: keep a draft of a form in this browser's local storage while it is filled in,
   so a dropped connection or a reload loses nothing. Served from the server itself (no
   CDN, no inline script: fits the Content Security Policy). Without JavaScript the form
   works the same, only without drafts.

   - <form data-peerway-draft="KEY"> is saved under KEY on every change; with
     data-draft-restore="1" (a fresh form, not one sent back with errors) a saved draft
     is put back on load and #pw-draft-status says so, with a button to discard it.
   - <div data-peerway-clear-draft="KEY"> (shown after a successful save) removes KEY.
   - Drafts older than a day are removed on every page that loads this file. */
(function () {
  "use strict";
  var PREFIX = "peerway-draft:";
  var MAX_AGE_MS = 24 * 60 * 60 * 1000;
  var SKIP_TYPES = { hidden: 1, submit: 1, button: 1, reset: 1, file: 1, password: 1 };

  function store() {
    try {
      var s = window.localStorage;
      var probe = PREFIX + "probe";
      s.setItem(probe, "1");
      s.removeItem(probe);
      return s;
    } catch (e) {
      return null; /* storage disabled or full: the form still works without drafts */
    }
  }

  function read(s, key) {
    try {
      var item = JSON.parse(s.getItem(key) || "null");
      return item && typeof item === "object" && item.fields ? item : null;
    } catch (e) {
      return null;
    }
  }

  function expire(s) {
    var now = Date.now();
    for (var i = s.length - 1; i >= 0; i--) {
      var key = s.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        var item = read(s, key);
        if (!item || !item.saved || now - item.saved > MAX_AGE_MS) s.removeItem(key);
      }
    }
  }

  function fieldsOf(form) {
    var out = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name && !SKIP_TYPES[el.type] && el.name !== "csrfmiddlewaretoken") out.push(el);
    }
    return out;
  }

  function collect(form) {
    var data = {};
    fieldsOf(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (!data[el.name]) data[el.name] = [];
        if (el.checked) data[el.name].push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        data[el.name] = [];
        for (var j = 0; j < el.options.length; j++) {
          if (el.options[j].selected) data[el.name].push(el.options[j].value);
        }
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function apply(form, data) {
    fieldsOf(form).forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(data, el.name)) return;
      var value = data[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        for (var j = 0; j < el.options.length; j++) {
          el.options[j].selected = Array.isArray(value) && value.indexOf(el.options[j].value) !== -1;
        }
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
  }

  function setUp() {
    var s = store();
    if (!s) return;
    expire(s);
    var clears = document.querySelectorAll("[data-peerway-clear-draft]");
    for (var c = 0; c < clears.length; c++) {
      s.removeItem(clears[c].getAttribute("data-peerway-clear-draft"));
    }
    var forms = document.querySelectorAll("form[data-peerway-draft]");
    for (var f = 0; f < forms.length; f++) watch(s, forms[f]);
  }

  function watch(s, form) {
    var key = form.getAttribute("data-peerway-draft");
    var status = document.getElementById("pw-draft-status");
    var saved = read(s, key);
    if (saved && form.getAttribute("data-draft-restore") === "1") {
      apply(form, saved.fields);
      if (status) status.classList.remove("d-none");
    }
    function save() {
      try {
        s.setItem(key, JSON.stringify({ saved: Date.now(), fields: collect(form) }));
      } catch (e) {
        /* quota exceeded: keep working without a draft */
      }
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    if (status) {
      var discard = status.querySelector("[data-draft-discard]");
      if (discard) {
        discard.addEventListener("click", function () {
          s.removeItem(key);
          form.reset();
          status.classList.add("d-none");
          var first = form.querySelector("input, select, textarea");
          if (first) first.focus();
        });
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
