from odoo import models

# States of a postal letter that tell its reminder something: posted, refused
# or cancelled.
OUTCOME_STATES = ("sent", "error", "canceled")


class SnailmailLetter(models.Model):
    _inherit = "snailmail.letter"

    def write(self, vals):
        res = super().write(vals)
        # Odoo's postal queue writes each letter's answer (sent or error);
        # a user may cancel a letter from the queue
        if vals.get("state") in OUTCOME_STATES:
            self.env["account.dunning.delivery"]._record_snailmail_outcomes(self)
        return res
