// "Copy the link" on the one-time link page (a file, not inline script, under the CSP).
// The button stays hidden without JavaScript: the link can still be selected and copied.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy-target]")) {
    button.hidden = false;
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy-target]");
  if (!button) {
    return;
  }
  const field = document.getElementById(button.dataset.copyTarget);
  const status = document.getElementById(button.dataset.copyStatus);
  if (!field) {
    return;
  }
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch {
    // No clipboard API (e.g. a page served over plain HTTP): select the text and copy.
    field.focus();
    field.select();
    try {
      copied = document.execCommand("copy");
    } catch {
      copied = false;
    }
  }
  if (status) {
    status.textContent = copied ? button.dataset.copied : button.dataset.failed;
  }
});
