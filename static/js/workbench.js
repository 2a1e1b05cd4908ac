// Window workbench: a checkbox marked data-autosubmit saves its form at once (the button stays for no-JS).
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box instanceof HTMLInputElement && box.hasAttribute("data-autosubmit") && box.form) {
    box.form.requestSubmit();
  }
});
