#!/usr/bin/env python3
"""Entrypoint of the CKAN image (web, harvest consumers, scheduler, one-off commands).

1. Renders config/ckan.ini.tmpl -- the template scripts/run.sh renders for the
   embedded single-machine default -- into $CKAN_INI, filling the placeholders
   from the environment. So the containers run the embedded configuration;
   only the addresses differ (solr_url = $CKAN_SOLR_URL, plus db/redis/site
   URLs, storage path and secret, which are per-installation anyway).
2. Applies optional CKAN__* / CKAN___* overrides, named as for ckanext-envvars
   (CKAN__SITE_TITLE -> ckan.site_title, CKAN___SCHEMING__PRESETS ->
   scheming.presets, CKAN___SESSION_COOKIE_SECURE -> SESSION_COOKIE_SECURE).
   Every override is a deliberate difference from the embedded default.
3. Exports CKAN__PLUGINS = the resulting ckan.plugins, because the base
   image's prerun.py rewrites ckan.plugins from that variable.
4. Execs the command (default: the base image's /srv/app/start_ckan.sh).
"""
import configparser
import os
import re
import sys
from urllib.parse import urlsplit

TEMPLATE = os.environ.get(
    "CKAN_INI_TEMPLATE", "/srv/app/src/ckanext-migration/config/ckan.ini.tmpl")
INI = os.environ.get("CKAN_INI", "/srv/app/ckan.ini")


def fail(msg):
    sys.exit("entrypoint: " + msg)


def need(name):
    value = os.environ.get(name, "").strip()
    if not value:
        fail(f"{name} is not set (see deployment/.env.example)")
    return value


def ini_value(value):
    return value.replace("%", "%%")  # ckan.ini is read with interpolation


def render():
    redis_url = need("CKAN_REDIS_URL")
    redis = urlsplit(redis_url)
    values = {
        "SQLALCHEMY_URL": need("CKAN_SQLALCHEMY_URL"),
        "SECRET": need("CKAN___SECRET_KEY"),
        "STORAGE_PATH": os.environ.get("CKAN_STORAGE_PATH") or "/var/lib/ckan",
        "SITE_URL": need("CKAN_SITE_URL"),
        "SOLR_URL": need("CKAN_SOLR_URL"),
        "REDIS_URL": redis_url,
        "REDIS_HOST": redis.hostname or "redis",
        "REDIS_PORT": str(redis.port or 6379),
        "REDIS_DB": redis.path.strip("/") or "0",
        "DATASTORE_WRITE_URL": need("CKAN_DATASTORE_WRITE_URL"),
        "DATASTORE_READ_URL": need("CKAN_DATASTORE_READ_URL"),
        # made after the first start (deployment/README.md); until then loads are refused
        "XLOADER_TOKEN": os.environ.get("CKAN_XLOADER_API_TOKEN", "").strip() or "NOT_SET",
        "XLOADER_SITE_URL": os.environ.get("CKAN_XLOADER_SITE_URL") or "http://ckan:5000",
    }
    try:
        with open(TEMPLATE, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        fail(f"cannot read the config template: {e}")
    for key, value in values.items():
        text = text.replace(f"@{key}@", ini_value(value))
    left = sorted(set(re.findall(r"^[^#\n]*?@([A-Z_]+)@", text, re.M)))
    if left:
        fail(f"unrendered placeholders in {TEMPLATE}: {', '.join(left)}")
    # Rewrite in place: /srv/app belongs to ckan-sys, only the file to ckan.
    with open(INI, "w", encoding="utf-8") as f:
        f.write(text)


def ini_key(env_name, upper_keys):
    name = env_name[7:] if env_name.startswith("CKAN___") else env_name
    if name in upper_keys:  # Flask-style keys keep their case
        return name
    return name.lower().replace("__", ".")


def apply_overrides():
    names = sorted(n for n in os.environ if n.startswith("CKAN__")
                   and n != "CKAN___SECRET_KEY"
                   and (n != "CKAN__PLUGINS" or os.environ[n].strip()))
    if not names:
        return
    import ckan
    import yaml
    from ckan.lib.config_tool import config_edit_using_option_strings
    decl = os.path.join(os.path.dirname(ckan.__file__), "config",
                        "config_declaration.yaml")
    with open(decl, encoding="utf-8") as f:
        groups = yaml.safe_load(f)["groups"]
    upper_keys = {o["key"] for g in groups for o in g.get("options") or []
                  if o["key"].isupper()} | {"SECRET_KEY"}
    options = []
    for name in names:
        key = ini_key(name, upper_keys)
        options.append(f"{key} = {ini_value(os.environ[name].strip())}")
        print(f"entrypoint: override {key} (from {name})", file=sys.stderr)
    config_edit_using_option_strings(INI, options, "app:main")


def export_plugins():
    parser = configparser.RawConfigParser(strict=False)
    parser.read(INI, encoding="utf-8")
    os.environ["CKAN__PLUGINS"] = parser.get("app:main", "ckan.plugins",
                                             fallback="")


def main():
    render()
    apply_overrides()
    export_plugins()
    argv = sys.argv[1:] or ["/srv/app/start_ckan.sh"]
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
