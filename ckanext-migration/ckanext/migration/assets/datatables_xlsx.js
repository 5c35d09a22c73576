/* The datatables preview's "Filtered download" menu gets an XLSX entry (views/download.py
   writes it): the same form post to CKAN's filtered-download view as its CSV, TSV, JSON and
   XML entries, so the rows are those the table shows (filters, search, sort, columns). */
$(document).on('init.dt', function (e, settings) {
  const api = new $.fn.dataTable.Api(settings)
  const form = $('#filtered-datatables-download')
  if (!form.length || typeof api.button !== 'function') return
  for (let i = 0; i < 20; i++) {
    const node = $(api.button(String(i)).node())
    if (!node.length) return
    if (node.find('.fa-download').length) {
      api.button().add(i + '-4', {
        text: 'XLSX',
        action: function () {
          const params = api.ajax.params()
          params.visible = api.columns().visible().toArray()
          const p = $('<input name="params" type="hidden"/>').attr('value', JSON.stringify(params))
          const f = $('<input name="format" type="hidden"/>').attr('value', 'xlsx')
          form.append(p).append(f)
          form.submit()
          p.remove()
          f.remove()
        }
      })
      return
    }
  }
})
