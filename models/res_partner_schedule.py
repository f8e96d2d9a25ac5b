from odoo import api, fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "account.dunning.schedule.mixin"]

    dunning_schedule_ids = fields.One2many(
        "account.dunning.schedule", "partner_id", string="Payment schedules"
    )
    dunning_schedule_count = fields.Integer(compute="_compute_dunning_schedule_count")

    @api.depends("dunning_schedule_ids")
    def _compute_dunning_schedule_count(self):
        counts = dict(
            self.env["account.dunning.schedule"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.dunning_schedule_count = counts.get(partner, 0)

    def _get_schedule_partner_company(self):
        return self.commercial_partner_id, self.env.company

    def action_open_dunning_schedules(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_schedule_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
