"""Package set-up read from nbdev's settings.ini (the nbdev 2 layout)."""
from configparser import ConfigParser

import setuptools

cfg_parser = ConfigParser(delimiters=["="])
cfg_parser.read("settings.ini")
cfg = cfg_parser["DEFAULT"]

requirements = cfg.get("requirements", "").split()
dev_requirements = cfg.get("dev_requirements", "").split()
console_scripts = cfg.get("console_scripts", "").split()
min_python = cfg["min_python"]

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    license="Apache-2.0",
    url=cfg["git_url"],
    keywords=cfg["keywords"].split(),
    packages=setuptools.find_packages(include=[cfg["lib_name"], cfg["lib_name"] + ".*"]),
    include_package_data=True,
    package_data={cfg["lib_name"]: ["assets/*", "assets/**/*"]},
    # JupyterLab page setting: Dash installs a source extension that makes JupyterLab offer a (failing) rebuild at
    # every start; nothing here needs it (see nbs/12_widgets.ipynb), so the build check is turned off.
    data_files=[("etc/jupyter/labconfig", ["tensor_nb/assets/jupyter/labconfig/page_config.json"])],
    python_requires=">=" + min_python,
    install_requires=requirements,
    extras_require={"dev": dev_requirements},
    entry_points={"console_scripts": console_scripts, "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
    zip_safe=False,
)
