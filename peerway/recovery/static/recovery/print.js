// The printable plan's "Print" button (no inline script under the page's CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
