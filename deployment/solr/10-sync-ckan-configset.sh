# Sourced (bash) by Solr's run-initdb before solr-precreate / solr-foreground.
#
# precreate-core copies the configset into /var/solr/data/ckan only when the
# core does not exist yet, so with a persistent volume a schema change in a
# rebuilt image would never reach the core. Copy the image's configset over the
# core's conf on every start; the index data is left alone. (SolrCloud nodes
# have no local core directory: nothing happens there.)
# After a schema change, reindex: ckan search-index rebuild
if [ -d /var/solr/data/ckan/conf ]; then
    cp -rf /opt/solr/server/solr/configsets/ckan/conf/. /var/solr/data/ckan/conf/
    rm -f /var/solr/data/ckan/conf/managed-schema.xml
    echo "10-sync-ckan-configset: ckan core configuration refreshed from the image"
fi
