/* Peerway home: tell a peer worker that this browser holds contact drafts not yet saved
   (drafts are kept in local storage by contacts/draft.js, for up to a day). Served from
   the server itself, no inline script. */
(function () {
  "use strict";
  var PREFIX = "peerway-draft:";
  var MAX_AGE_MS = 24 * 60 * 60 * 1000;
  function count(mine) {
    var n = 0;
    try {
      var s = window.localStorage;
      for (var i = 0; i < s.length; i++) {
        var key = s.key(i);
        if (!key || key.indexOf(mine) !== 0) continue;
        var item = JSON.parse(s.getItem(key) || "null");
        if (item && item.fields && (!item.saved || Date.now() - item.saved < MAX_AGE_MS)) n++;
      }
    } catch (e) {
      return 0;
    }
    return n;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var hint = document.getElementById("pw-drafts-hint");
    if (!hint) return;
    var n = count(hint.getAttribute("data-prefix") || PREFIX);
    if (n > 0) {
      hint.querySelector("[data-count]").textContent = String(n);
      hint.hidden = false;
    }
  });
})();
