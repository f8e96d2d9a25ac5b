from datetime import timedelta

from markupsafe import Markup

from odoo import _, fields, models

RISKS = [("normal", "Normal"), ("watch", "To watch"), ("high", "High")]


class ResPartner(models.Model):
    """The conversation with the customer: calls, promises, disputes, and who to
    address in a large organisation."""

    _inherit = "res.partner"

    dunning_chorus_service_code = fields.Char(
        string="Chorus Pro service code",
        help="Code of the public buyer's service that receives and certifies the "
        "invoices on Chorus Pro.",
    )
    dunning_who_to_remind = fields.Html(
        string="Who to remind",
        compute="_compute_dunning_who_to_remind",
        sanitize=False,
        help="Recipients of each level of the customer's policy, from the contact "
        "roles, else the invoice address, else the customer itself.",
    )
    dunning_dispute_count = fields.Integer(
        string="Open disputes", compute="_compute_dunning_status"
    )
    dunning_promise_count = fields.Integer(
        string="Open promises", compute="_compute_dunning_status"
    )
    dunning_promise_broken = fields.Boolean(
        string="Promise broken",
        compute="_compute_dunning_status",
        help="A promise of payment was broken and its invoices are still unpaid.",
    )
    dunning_broken_promise_count = fields.Integer(
        string="Broken promises (12 months)", compute="_compute_dunning_status"
    )
    dunning_risk = fields.Selection(
        RISKS,
        string="Payment risk",
        compute="_compute_dunning_status",
        help="Raised by repeated broken promises of payment over twelve months: "
        "one to watch, two or more high.",
    )
    dunning_formal_notice_sent = fields.Boolean(
        string="Formal notice sent", compute="_compute_dunning_status"
    )
    dunning_schedule_running = fields.Boolean(
        string="Schedule running", compute="_compute_dunning_status"
    )
    dunning_status = fields.Char(
        string="Dunning status", compute="_compute_dunning_status"
    )

    # ------------------------------------------------------------
    # COMPUTE METHODS
    # ------------------------------------------------------------

    def _compute_dunning_who_to_remind(self):
        company = self.env.company
        moves_by_partner = (
            self.env["account.move"]
            .search(
                [
                    ("company_id", "=", company.id),
                    ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("amount_residual", ">", 0),
                ]
            )
            .grouped("commercial_partner_id")
        )
        contacts = self.commercial_partner_id._get_dunning_contacts(
            self.env["account.move"].union(*moves_by_partner.values())
        )
        for partner in self:
            commercial = partner.commercial_partner_id.with_company(company)
            policy = commercial.dunning_policy_id or company.dunning_policy_id
            if not policy or not partner.id:
                partner.dunning_who_to_remind = False
                continue
            moves = moves_by_partner.get(
                partner.commercial_partner_id, self.env["account.move"]
            )
            rows = Markup().join(
                Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>")
                % (
                    level.name,
                    ", ".join(level.role_ids.mapped("name")) or "-",
                    ", ".join(
                        contact.email_formatted or contact.display_name
                        for contact in commercial._get_dunning_recipients(
                            level, moves, contacts
                        )
                    ),
                )
                for level in policy._get_ordered_levels()
            )
            partner.dunning_who_to_remind = Markup(
                "<table class='table table-sm'><tr><th>%s</th><th>%s</th>"
                "<th>%s</th></tr>%s</table>"
            ) % (_("Level"), _("Roles"), _("Recipients"), rows)

    def _compute_dunning_status(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        commercial = self.commercial_partner_id
        Promise = self.env["account.dunning.promise"]
        disputes = dict(
            self.env["account.dunning.dispute"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", commercial.ids),
                    ("state", "=", "open"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        promises = dict(
            Promise._read_group(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", commercial.ids),
                    ("state", "=", "open"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        broken = Promise.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", commercial.ids),
                ("state", "=", "broken"),
                ("closed_date", ">", today - timedelta(days=365)),
            ]
        )
        broken_counts = {}
        broken_unpaid = set()
        for promise in broken:
            key = promise.partner_id.id
            broken_counts[key] = broken_counts.get(key, 0) + 1
            if any(move.amount_residual > 0 for move in promise.move_ids):
                broken_unpaid.add(key)
        open_domain = [
            ("company_id", "=", company.id),
            ("commercial_partner_id", "in", commercial.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("amount_residual", ">", 0),
        ]
        Move = self.env["account.move"]
        noticed = {
            partner.id
            for (partner,) in Move._read_group(
                open_domain + [("dunning_level_id.is_formal_notice", "=", True)],
                ["commercial_partner_id"],
            )
        }
        scheduled = set()
        if "dunning_schedule_id" in Move._fields:
            scheduled = {
                partner.id
                for (partner,) in Move._read_group(
                    open_domain + [("dunning_schedule_id.state", "=", "active")],
                    ["commercial_partner_id"],
                )
            }
        labels = {
            "dispute": _("In dispute"),
            "promise": _("Promise pending"),
            "broken": _("Promise broken"),
            "schedule": _("Schedule running"),
            "notice": _("Formal notice sent"),
        }
        for partner in self:
            key = partner.commercial_partner_id
            partner.dunning_dispute_count = disputes.get(key, 0)
            partner.dunning_promise_count = promises.get(key, 0)
            partner.dunning_promise_broken = key.id in broken_unpaid
            count = broken_counts.get(key.id, 0)
            partner.dunning_broken_promise_count = count
            partner.dunning_risk = (
                "high" if count >= 2 else "watch" if count == 1 else "normal"
            )
            partner.dunning_formal_notice_sent = key.id in noticed
            partner.dunning_schedule_running = key.id in scheduled
            flags = {
                "dispute": partner.dunning_dispute_count,
                "promise": partner.dunning_promise_count,
                "broken": partner.dunning_promise_broken,
                "schedule": partner.dunning_schedule_running,
                "notice": partner.dunning_formal_notice_sent,
            }
            partner.dunning_status = ", ".join(
                labels[flag] for flag, value in flags.items() if value
            )

    # ------------------------------------------------------------
    # ACTION METHODS
    # ------------------------------------------------------------

    def action_dunning_log_call(self):
        self.ensure_one()
        return self.env["account.dunning.call.wizard"]._get_open_action(
            self.commercial_partner_id
        )

    def action_open_dunning_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_promise_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def action_open_dunning_disputes(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account_dunning.account_dunning_dispute_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
