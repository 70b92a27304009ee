// Clean search snippets. Sphinx cuts each result's snippet out of the page's main text, which
// here would start with the header's buttons ("System Settings Light Dark") and show every
// equation as raw TeX between \( and \). Those are taken out before Sphinx reads the text.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof Search === "undefined" || !Search.htmlToText) return;   // not the search page
  const htmlToText = Search.htmlToText;
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    doc.querySelectorAll(".bd-header-article, .header-article-items, .prev-next-area, " +
                         ".student-links, .copybtn, button").forEach((e) => e.remove());
    doc.querySelectorAll(".math").forEach((e) => {
      e.textContent = e.textContent.replace(/^\s*(\\\(|\\\[|\$\$?)|(\\\)|\\\]|\$\$?)\s*$/g, "");
    });
    return htmlToText(doc.documentElement.outerHTML, anchor);
  };
});
