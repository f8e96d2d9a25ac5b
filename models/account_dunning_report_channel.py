from odoo import fields, models, tools
from odoo.tools import SQL

from .account_dunning_action import CHANNELS


class AccountDunningReportChannel(models.Model):
    """The reminders done, by channel and day: one row per reminder (a
    customer's answer on its page is not a reminder and is left out)."""

    _name = "account.dunning.report.channel"
    _description = "Dunning dashboard: reminders per channel"
    _auto = False
    _order = "date desc, id desc"

    action_id = fields.Many2one(
        "account.dunning.action", string="Reminder", readonly=True
    )
    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one("res.users", string="Responsible", readonly=True)
    level_id = fields.Many2one("account.dunning.level", readonly=True)
    channel = fields.Selection(CHANNELS, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_due = fields.Monetary(string="Amount reminded", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                SELECT a.id,
                       a.id AS action_id,
                       a.date,
                       a.company_id,
                       a.partner_id,
                       a.user_id,
                       a.level_id,
                       a.channel,
                       a.amount_due
                  FROM account_dunning_action a
                 WHERE a.state = 'done'
                   AND a.channel != 'portal'
                )
                """,
                table=SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_open_reminders(self):
        """The selected reminders in the reminders history."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_action_action"
        )
        action["domain"] = [("id", "in", self.action_id.ids)]
        action["context"] = {"create": False}
        return action
