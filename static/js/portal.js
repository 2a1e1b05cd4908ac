/* Applicant portal: upload feedback (data-upload). The pages work without it; no inline scripts
   (CSP script-src 'self'). Confirmations are pages or checkboxes, never pop-ups (适老化: no pop-ups). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-upload")) {
      var input = form.querySelector("input[type=file]");
      if (input && !input.files.length) {
        event.preventDefault();
        input.focus();
        return;
      }
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = "上传中…";
      }
    }
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.files.length) return;
    var file = input.files[0];
    var hint = input.parentNode.querySelector(".file-choice");
    if (!hint) {
      hint = document.createElement("span");
      hint.className = "file-choice hint";
      input.parentNode.insertBefore(hint, input.nextSibling);
    }
    var size = file.size > 1048576 ? (file.size / 1048576).toFixed(1) + " MB" : Math.ceil(file.size / 1024) + " KB";
    hint.textContent = file.name + "（" + size + "）";
  });
})();
