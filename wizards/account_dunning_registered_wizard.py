import base64

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.account_dunning_action import VALIDATED_STATES


class AccountDunningRegisteredWizard(models.TransientModel):
    """Quick entry of how a formal notice left and when it was received:
    mode, tracking number, posting date, date of receipt and the scanned
    proof, from the reminder or from the work queue. The date of receipt
    starts the payment deadline and a private person's legal interest."""

    _name = "account.dunning.registered.wizard"
    _description = "Record a registered formal notice"

    action_id = fields.Many2one(
        "account.dunning.action",
        string="Formal notice",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(related="action_id.partner_id")
    registered_mail_mode = fields.Selection(
        # the reminder's labels, in the user's language
        selection=lambda self: self.env["account.dunning.action"]
        ._fields["registered_mail_mode"]
        ._description_selection(self.env),
        string="Sent by",
        required=True,
        default="lrar",
    )
    registered_mail_ref = fields.Char(string="Tracking number")
    posted_date = fields.Date(string="Posted on")
    received_date = fields.Date(
        string="Received on",
        help="Date on the acknowledgement of receipt (or of the service by "
        "the commissaire de justice); leave empty while awaiting it.",
    )
    proof_file = fields.Binary(string="Proof of receipt", attachment=False)
    proof_filename = fields.Char()

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        action = self.env["account.dunning.action"].browse(res.get("action_id"))
        if action:
            res.update(
                {
                    "registered_mail_mode": action.registered_mail_mode or "lrar",
                    "registered_mail_ref": action.registered_mail_ref,
                    "posted_date": action.posted_date
                    or (action.validated_date and action.validated_date.date())
                    or action.date,
                    "received_date": action.received_date,
                }
            )
        return res

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_confirm(self):
        """Check everything, then write the notice and its proof at once."""
        self.ensure_one()
        action = self.action_id
        if not action.is_formal_notice or action.state not in (
            *VALIDATED_STATES,
            "sending",
        ):
            raise UserError(
                self.env._(
                    "Only a formal notice that was sent can record its "
                    "registered mail and its receipt."
                )
            )
        Provider = self.env["account.dunning.registered.provider"]
        error = Provider._get_dates_error(self.posted_date, self.received_date)
        if error:
            raise UserError(error)
        vals = {
            "registered_mail_mode": self.registered_mail_mode,
            "registered_mail_ref": self.registered_mail_ref,
            "posted_date": self.posted_date,
            "received_date": self.received_date,
        }
        if self.proof_file:
            vals["proof_attachment_id"] = Provider._attach_proof(
                action,
                self.proof_filename or self.env._("Proof of receipt"),
                base64.b64decode(self.proof_file),
            ).id
        action.write(vals)
        return {"type": "ir.actions.act_window_close"}

    # ------------------------------------------------------------
    # BUSINESS METHODS
    # ------------------------------------------------------------

    @api.model
    def _get_open_action(self, action):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Registered mail and receipt"),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_action_id": action.id},
        }
