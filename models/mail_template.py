from lxml import html
from markupsafe import Markup

from odoo import api, models
from odoo.tools import safe_eval


class MailTemplate(models.Model):
    _inherit = "mail.template"

    @api.model
    def _render_template_qweb(
        self, template_src, model, res_ids, add_context=None, options=None
    ):
        """Reminder emails go out by the thousand: compile their body once for
        the whole batch. The generic renderer parses and compiles the source
        again for every record, which was most of the cost of a nightly run.
        Any failure falls back to the generic renderer, so errors read the same.
        """
        if (
            model != "account.dunning.action"
            or len(res_ids) < 2
            or not template_src
            or not self._has_unsafe_expression_template_qweb(template_src, model)
        ):
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        variables = self._render_eval_context()
        if add_context:
            variables.update(**add_context)
        try:
            qweb = self.env["ir.qweb"].with_context(**(options or {}))
            qweb = qweb._prepare_environment(variables)
            safe_eval.check_values(variables)
            functions, def_name = qweb._compile(
                html.fragment_fromstring(template_src, create_parent="div")
            )
        except Exception:  # noqa: BLE001 - the generic path reports it
            return super()._render_template_qweb(
                template_src, model, res_ids, add_context=add_context, options=options
            )
        render = functions[def_name]
        results = {}
        for record in self.env[model].browse(res_ids):
            try:
                rendered = Markup("".join(render(qweb, dict(variables, object=record))))
            except Exception:  # noqa: BLE001 - same message as the generic path
                results.update(
                    super()._render_template_qweb(
                        template_src,
                        model,
                        record.ids,
                        add_context=add_context,
                        options=options,
                    )
                )
                continue
            # drop the <div> added to wrap several top nodes into one
            results[record.id] = rendered[5:-6]
        return results
