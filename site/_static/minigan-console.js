// pydata-sphinx-theme (0.20) writes its housekeeping to the console on every page
// ("[PST]: Changed to auto mode using the light theme.", "[PST]: Scrolled sidebar ...").
// Those informational lines are dropped, so that the console of a page shows only what is wrong;
// errors and warnings, the theme's included, pass untouched. Loaded before the theme's script.
(() => {
  for (const level of ["log", "debug", "info"]) {
    const original = console[level].bind(console);
    console[level] = (...args) => {
      if (typeof args[0] === "string" && args[0].startsWith("[PST]")) return;
      original(...args);
    };
  }
})();
