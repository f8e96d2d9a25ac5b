from odoo import models


class AccountDunningQueue(models.Model):
    _name = "account.dunning.queue"
    _inherit = ["account.dunning.queue", "account.dunning.schedule.mixin"]

    def _get_schedule_partner_company(self):
        return self.partner_id, self.company_id
