from odoo import models

# States of an SMS that tell its reminder something: taken by the provider
# ("Sent", "Delivered"), refused ("Error") or cancelled.
OUTCOME_STATES = ("pending", "sent", "error", "canceled")


class SmsSms(models.Model):
    _inherit = "sms.sms"

    def write(self, vals):
        res = super().write(vals)
        # Odoo's SMS queue writes the provider's answers by batch, one write per
        # state: one query per write finds the reminders concerned
        if vals.get("state") in OUTCOME_STATES:
            self.env["account.dunning.delivery"]._record_sms_outcomes(self)
        return res
