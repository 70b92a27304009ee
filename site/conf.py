"""Sphinx configuration of the course website. ``site/build.py`` copies this file into the
folder it assembles (executed chapters, docs, student notebooks) and runs Sphinx there; see that
file for the one command that builds the site.

Everything a page loads is served from the site itself: MathJax comes from the
``sphinx-mathjax-offline`` package, never from a CDN (tests/test_site.py blocks any request that
leaves the machine)."""
project = "minigan"
author = "the minigan authors"
copyright = "the minigan authors"

extensions = ["myst_nb", "sphinx-mathjax-offline",   # (its module name has hyphens)
              "sphinx_copybutton"]                   # a copy button on every code block
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3           # "#the-1d-game" links between the Markdown pages resolve
# Copy the code, not the prompts or the line numbers.
copybutton_exclude = ".linenos, .gp, .go"

# The chapters arrive executed by build.py (figures under any MPLBACKEND, solutions out of the
# shown code); Sphinx only renders them.
nb_execution_mode = "off"
nb_output_stderr = "remove"        # tqdm's IProgress warning would print the build machine's paths
nb_ipywidgets_js = {}              # a progress bar's widget is not worth require.js and a CDN request

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
html_extra_path = ["_extra"]       # student notebooks and their zip, served as files
html_copy_source = False           # _sources/ would publish the source with its solutions
html_show_sourcelink = False

html_title = "minigan: GANs from scratch"
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_favicon = "_static/favicon.svg"
# minigan.css: nothing scrolls the page sideways; minigan-search.js: clean search snippets;
# minigan-console.js: the theme's informational console lines dropped (see the file).
html_css_files = ["minigan.css"]
html_js_files = ["minigan-console.js", "minigan-search.js"]
html_theme_options = {
    "use_download_button": False,  # it offers the page's own notebook: run with the solutions
    "use_fullscreen_button": False,
    "home_page_in_toc": True,
    "show_toc_level": 2,
}
# One search box: the theme already puts one at the top of the sidebar (a search button on a
# phone); its default sidebar would add a second.
html_sidebars = {"**": ["navbar-logo.html", "icon-links.html", "sbt-sidebar-nav.html"]}
# pydata-sphinx-theme logs "Got invalid theme mode" on a fresh browser profile without this.
html_context = {"default_mode": "auto"}
