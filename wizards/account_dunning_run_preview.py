from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import Command, api, fields, models
from odoo.tools import SQL

from ..models.account_dunning_action import CHANNELS


class AccountDunningRunPreview(models.TransientModel):
    """What tonight's run would do for the user's company, created nothing.

    The nightly job's own evaluation (`account.dunning.rule._apply` and
    `_prepare_reminders` on an unsaved run, as the "Relancer" wizard does),
    read as of the company's next day: no reminder, run, email or chatter
    message is created, so a company about to switch reminders on (or to
    catch up with a backlog) sees the night before it happens. The night's
    first steps (promises found broken, payment schedules defaulted that
    night) are not foreseen.
    """

    _name = "account.dunning.run.preview"
    _description = "Preview of tonight's dunning run"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda s: s.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        string="Night of",
        readonly=True,
        help="The day the nightly job dates tonight's reminders: the company's "
        "next day.",
    )
    line_ids = fields.One2many(
        "account.dunning.run.preview.line", "preview_id", string="Tonight's reminders"
    )
    customer_count = fields.Integer(string="Customers", compute="_compute_counts")
    reminder_count = fields.Integer(string="Reminders", compute="_compute_counts")
    email_count = fields.Integer(string="Emails", compute="_compute_counts")
    sms_count = fields.Integer(string="SMS", compute="_compute_counts")
    letter_count = fields.Integer(string="Letters", compute="_compute_counts")
    call_count = fields.Integer(string="Calls", compute="_compute_counts")
    draft_count = fields.Integer(string="To confirm", compute="_compute_counts")
    amount_due = fields.Monetary(
        string="Amount claimed",
        compute="_compute_counts",
        help="What tonight's reminders claim, each customer counted once.",
    )
    summary = fields.Html(
        string="By level and channel", compute="_compute_counts", sanitize=False
    )

    @api.depends(
        "line_ids.partner_id",
        "line_ids.channel",
        "line_ids.level_id",
        "line_ids.outcome",
        "line_ids.amount_due",
    )
    def _compute_counts(self):
        for preview in self:
            lines = preview.line_ids
            by_channel = defaultdict(int)
            for line in lines:
                by_channel[line.channel] += 1
            preview.reminder_count = len(lines)
            preview.email_count = by_channel["email"]
            preview.sms_count = by_channel["sms"]
            preview.letter_count = by_channel["letter"]
            preview.call_count = by_channel["call"]
            preview.draft_count = sum(
                1 for line in lines if line.outcome in ("confirm", "join")
            )
            amounts = {line.partner_id.id: line.amount_due for line in lines}
            preview.customer_count = len(amounts)
            preview.amount_due = sum(amounts.values())
            preview.summary = preview._get_summary_html(lines)

    # ------------------------------------------------------------
    # DEFAULTS: one evaluation of the engine
    # ------------------------------------------------------------

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if "line_ids" not in fields_list:
            return res
        company = self.env.company
        date = self._get_night_date(company)
        res.update(
            {
                "company_id": company.id,
                "date": date,
                "line_ids": [
                    Command.create(vals) for vals in self._evaluate_night(company, date)
                ],
            }
        )
        return res

    @api.model
    def _get_night_date(self, company):
        """Tonight as the nightly job dates it: the company's next day
        (`account.dunning.rule._get_company_today`, the day the job reads
        when it runs after midnight)."""
        today = self.env["account.dunning.rule"]._get_company_today(company)
        return today + timedelta(days=1)

    @api.model
    def _evaluate_night(self, company, date):
        """The reminders the nightly job would create for `company` on
        `date`, as preview line vals: its candidates, read batch by batch
        (`_candidate_partners_sql`, `_read_snapshot`), the rule applied
        (`_apply`, `_prepare_reminders`), each reminder's outcome (sent or
        scheduled by itself, to confirm, joining the formal notice awaiting
        approval, or failing for want of an address). Writes nothing."""
        Run = self.env["account.dunning.run"]
        Rule = self.env["account.dunning.rule"]
        Line = self.env["account.dunning.action.line"]
        run = Run.new({"company_id": company.id, "date": date, "trigger": "cron"})
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "%s ORDER BY 1",
                run._candidate_partners_sql(
                    run._get_lead_days(), SQL("DISTINCT m.commercial_partner_id")
                ),
            )
        )
        partner_ids = [row[0] for row in self.env.cr.fetchall()]
        batch_size = run._get_batch_size()
        lines = []
        for start in range(0, len(partner_ids), batch_size):
            snapshot = run._read_snapshot(partner_ids[start : start + batch_size])
            evaluation = Rule._apply(snapshot)
            vals_list = Rule._prepare_reminders(run, evaluation["proposals"], snapshot)
            joins = Line._get_pending_notices(vals_list)
            contacts = snapshot.contacts
            for index, vals in enumerate(vals_list):
                level = snapshot.levels[vals["level_id"]]
                reason = Rule._get_unreachable_reason(
                    vals["channel"],
                    contacts[vals["partner_id"]],
                    [contacts[contact_id] for contact_id in vals["contact_ids"]],
                )
                if index in joins:
                    outcome = "join"
                elif not Rule._is_automatic(level):
                    outcome = "confirm"
                elif reason:
                    outcome = "fail"
                else:
                    outcome = "send"
                lines.append(
                    {
                        "partner_id": vals["partner_id"],
                        "level_id": level.id,
                        "channel": vals["channel"],
                        "amount_due": vals["amount_due"],
                        "move_ids": [
                            Command.set([line["move_id"] for line in vals["line_ids"]])
                        ],
                        "outcome": outcome,
                        "reason": reason or False,
                    }
                )
        return lines

    def _get_summary_html(self, lines):
        """The reminders of `lines` counted by level (rows, in escalation
        order) and channel (columns), as an HTML table."""
        channels = [(key, label) for key, label in CHANNELS if key != "portal"]
        labels = dict(
            self.env["account.dunning.action"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        counts = defaultdict(int)
        for line in lines:
            counts[line.level_id, line.channel] += 1
        levels = lines.level_id.sorted(
            lambda lv: (lv.policy_id.sequence, lv.policy_id.id, lv.sequence, lv.delay)
        )
        if not levels:
            return False
        head = Markup("").join(
            Markup('<th class="text-end">%s</th>') % labels.get(key, label)
            for key, label in channels
        )
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td>%s<td class='text-end'><strong>%s</strong></td></tr>"
            )
            % (
                level.display_name
                if len(levels.policy_id) == 1
                else f"{level.policy_id.name} — {level.name}",
                Markup("").join(
                    Markup('<td class="text-end">%s</td>') % (counts[level, key] or "")
                    for key, _label in channels
                ),
                sum(counts[level, key] for key, _label in channels),
            )
            for level in levels
        )
        return Markup(
            '<table class="table table-sm o_dunning_preview_summary">'
            "<thead><tr><th>%s</th>%s<th class='text-end'>%s</th></tr></thead>"
            "<tbody>%s</tbody></table>"
        ) % (escape(self.env._("Level")), head, self.env._("Total"), rows)
