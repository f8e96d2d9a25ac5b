from odoo import models
from odoo.exceptions import UserError


class AccountDunningReportMixin(models.AbstractModel):
    """What the dashboard's reports share: read-only rows (SQL views) whose
    selection opens the invoices behind the figures."""

    _name = "account.dunning.report.mixin"
    _description = "Dunning dashboard report"

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_invoices(self):
        """The invoices behind the selected rows, in the invoices list."""
        moves = self._get_report_moves()
        if not moves:
            raise UserError(self.env._("No invoice is behind these figures."))
        return moves._get_dunning_invoices_action(self.env._("Invoices"))

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    def _get_report_moves(self):
        return self.move_id
