#!/bin/bash
# Run once by the postgres image, on an empty data volume: creates CKAN's login role and
# database, and the DataStore's database (owned by CKAN's role) with its read-only role.
# CKAN creates its tables itself (`ckan db init` in the ckan container); the read-only
# role's grants are CKAN's own `ckan datastore set-permissions` (deployment/README.md).
set -euo pipefail

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
     -v ckan_user="$CKAN_DB_USER" -v ckan_password="$CKAN_DB_PASSWORD" \
     -v ckan_db="$CKAN_DB" -v ds_db="$DATASTORE_DB" -v ds_user="$DATASTORE_RO_USER" \
     -v ds_password="$DATASTORE_RO_PASSWORD" <<'EOSQL'
CREATE ROLE :"ckan_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ckan_password';
CREATE DATABASE :"ckan_db" OWNER :"ckan_user" ENCODING 'UTF8' TEMPLATE template0;
CREATE ROLE :"ds_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ds_password';
CREATE DATABASE :"ds_db" OWNER :"ckan_user" ENCODING 'UTF8' TEMPLATE template0;
EOSQL
