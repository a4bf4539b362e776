// The report page's Print button (no inline script: the CSP forbids it).
document.getElementById("print-now")?.addEventListener("click", () => window.print());
