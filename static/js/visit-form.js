// The visit form shows only the fields the chosen status needs (visits.forms.STATUS_FIELDS, read
// from the form's data attributes). Hidden fields are disabled so they are not sent. Without this
// script every field shows and the checks say what does not belong. (An external file: the
// Content Security Policy runs no inline script.)
document.querySelectorAll("[data-status-fields]").forEach((root) => {
  const needs = JSON.parse(root.dataset.statusFields);
  const dependent = JSON.parse(root.dataset.dependentFields);
  const select = root.querySelector("select[name=status]");
  if (!select) return;
  const apply = () => {
    const wanted = needs[select.value] || [];
    dependent.forEach((name) => {
      const group = root.querySelector(`[data-field="${name}"]`);
      if (!group) return;
      const hide = !wanted.includes(name) && !group.classList.contains("govuk-form-group--error");
      group.hidden = hide;
      group.querySelectorAll("input, select, textarea").forEach((input) => { input.disabled = hide; });
    });
  };
  select.addEventListener("change", apply);
  apply();
});
