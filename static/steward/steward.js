// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // Anonymous reporting hides (and clears) the identity fields so nothing is sent by mistake.
  const anonymous = document.querySelector("[data-anonymous-toggle]");
  if (anonymous) {
    const fields = document.querySelectorAll("[data-identity-field]");
    const sync = () => {
      fields.forEach((el) => {
        el.hidden = anonymous.checked;
        if (anonymous.checked) el.querySelectorAll("input").forEach((i) => { i.value = ""; });
      });
    };
    anonymous.addEventListener("change", sync);
    sync();
  }
  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const target = document.getElementById(button.dataset.copy);
      if (target && navigator.clipboard) navigator.clipboard.writeText(target.textContent.trim());
    });
  });
});
