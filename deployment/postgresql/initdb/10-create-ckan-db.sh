#!/bin/bash
# Run once by the postgres image, on an empty data volume: creates CKAN's
# login role and database (no DataStore: the catalogue does not use it).
# CKAN creates its tables itself (`ckan db init` in the ckan container).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v ckan_user="$CKAN_DB_USER" -v ckan_password="$CKAN_DB_PASSWORD" \
     -v ckan_db="$CKAN_DB" <<'EOSQL'
CREATE ROLE :"ckan_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ckan_password';
CREATE DATABASE :"ckan_db" OWNER :"ckan_user" ENCODING 'UTF8' TEMPLATE template0;
EOSQL
