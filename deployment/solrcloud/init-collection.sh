#!/bin/bash
# One-shot init of the SolrCloud cluster (solr-init service): uploads the
# `ckan` configset (config/solr/schema.xml + ckan-solr's solrconfig.xml, as
# baked into the ckan-migration/solr image) to ZooKeeper, then creates the
# `ckan` collection, or reloads it if it already exists (schema update).
set -euo pipefail

CONF_DIR=/opt/solr/server/solr/configsets/ckan/conf
SOLR=${SOLR_NODE_URL:-http://solr1:8983/solr}
NAME=${SOLR_COLLECTION:-ckan}

api() {  # api QUERY -> Collections API call, fails on a Solr error
    local out
    out=$(wget -qO- "$SOLR/admin/collections?$1&wt=json") || {
        echo "Collections API call failed: $1" >&2; return 1; }
    echo "$out"
}

wait-for-zookeeper.sh --max-attempts 60 "$ZK_HOST"

echo "Uploading configset '$NAME' from $CONF_DIR to ZooKeeper ($ZK_HOST)"
solr zk upconfig -z "$ZK_HOST" -n "$NAME" -d "$CONF_DIR"

if api "action=LIST" | grep -q "\"$NAME\""; then
    echo "Collection '$NAME' exists: reloading it with the uploaded configset"
    api "action=RELOAD&name=$NAME" >/dev/null
else
    echo "Creating collection '$NAME': numShards=$SOLR_NUM_SHARDS" \
         "replicationFactor=$SOLR_REPLICATION_FACTOR"
    api "action=CREATE&name=$NAME&collection.configName=$NAME&numShards=$SOLR_NUM_SHARDS&replicationFactor=$SOLR_REPLICATION_FACTOR&waitForFinalState=true" >/dev/null
fi
api "action=CLUSTERSTATUS&collection=$NAME" | head -c 2000; echo
echo "Done. solr_url: http://<load balancer>:8983/solr/$NAME"
