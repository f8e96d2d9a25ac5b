from odoo import api, models
from odoo.exceptions import UserError

# Lists a dunning wizard may be opened from.
SELECTION_MODELS = ("account.move", "res.partner", "account.dunning.queue")


class AccountDunningSelectionMixin(models.AbstractModel):
    """What a dunning wizard was opened on: invoices, customers or rows of the
    work queue (`active_model` / `active_ids`), and the customers and open
    invoices they stand for. The "Relancer", call, payment schedule and Excel
    wizards all start from here."""

    _name = "account.dunning.selection.mixin"
    _description = "Invoices or customers selected for a dunning wizard"

    @api.model
    def _get_open_action(self, model, ids, name=None):
        """The wizard opened on the records `ids` of `model`."""
        if not ids:
            raise UserError(self._get_selection_error())
        return {
            "type": "ir.actions.act_window",
            "name": name or self._description,
            "res_model": self._name,
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "new",
            "context": {"active_model": model, "active_ids": ids, "active_id": ids[0]},
        }

    @api.model
    def _get_selection_error(self):
        return self.env._("Select the invoices or the customers to remind.")

    @api.model
    def _get_selection(self):
        """The records the wizard was opened on, from the context."""
        context = self.env.context
        model = context.get("active_model")
        ids = context.get("active_ids") or (
            [context["active_id"]] if context.get("active_id") else []
        )
        if model not in SELECTION_MODELS or not ids:
            raise UserError(self._get_selection_error())
        return self.env[model].browse(ids)

    @api.model
    def _get_selection_customers(self, records):
        """The customers (commercial entities) of the selected records."""
        if records._name == "account.dunning.queue":
            return records.partner_id
        return records.commercial_partner_id

    @api.model
    def _search_open_invoices(self, customers, domain=(), order=None):
        """The open invoices of `customers` in the current company (the
        engine's definition), narrowed by `domain`."""
        Rule = self.env["account.dunning.rule"]
        return self.env["account.move"].search(
            Rule._get_open_invoice_domain(self.env.company)
            + [("commercial_partner_id", "in", customers.ids), *domain],
            order=order,
        )
