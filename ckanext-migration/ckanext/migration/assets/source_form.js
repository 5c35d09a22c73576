/* The harvest source form: the help panel of the selected source type, "Use this example",
   and "Test this source" (a dry run posted to /harvest/test-source, answered as HTML). */
ckan.module('migration-source-help', function ($) {
  return {
    initialize: function () {
      var panels = this.el.find('.migration-source-help');
      var form = this.el.closest('form');
      function show(type) {
        panels.each(function () { this.hidden = this.getAttribute('data-source-type') !== type; });
      }
      form.on('change', 'input[name="source_type"]', function () { show(this.value); });
      var checked = form.find('input[name="source_type"]:checked');
      if (checked.length) { show(checked.val()); }
      this.el.on('click', '.migration-use-example', function () {
        var panel = $(this).closest('.migration-source-help');
        form.find('#field-config').val(panel.find('.migration-example-config').val());
        var url = form.find('#field-url');
        if (!url.val()) { url.val(this.getAttribute('data-url')); }
      });
    }
  };
});

ckan.module('migration-source-test', function ($) {
  return {
    options: {url: '', testing: 'Testing…'},
    initialize: function () {
      var self = this;
      var result = this.el.find('.migration-source-test-result');
      var button = this.el.find('.migration-source-test-button');
      button.on('click', function () {
        var form = self.el.closest('form')[0];
        button.prop('disabled', true);
        result.text(self.options.testing);
        fetch(self.options.url, {method: 'POST', body: new FormData(form),
                                 headers: {'Accept': 'text/html'}, credentials: 'same-origin'})
          .then(function (response) { return response.text(); })
          .then(function (html) { result.html(html); })
          .catch(function (error) { result.text(String(error)); })
          .then(function () { button.prop('disabled', false); });
      });
    }
  };
});
