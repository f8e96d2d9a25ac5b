from collections import defaultdict

from odoo import api, fields, models

from ..lib.formats import AGED_BUCKETS, aged_bucket, amount_in_words


class ReportDunningStatement(models.AbstractModel):
    """The customer's open items (relevé de compte), read in one query for all
    the customers printed."""

    _name = "report.account_dunning.report_dunning_statement"
    _description = "Account statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        today = fields.Date.context_today(self)
        company = self.env.company
        # the 411 side of a transfer to doubtful is no payment of the customer
        transfers = self.env["account.dunning.doubtful"]._get_transfer_moves(partners)
        lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("partner_id.commercial_partner_id", "in", partners.ids),
                ("account_id.account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "!=", 0),
                ("move_id", "not in", transfers.ids),
            ],
            order="date_maturity, date, id",
        )
        by_partner = defaultdict(list)
        for line in lines:
            by_partner[line.partner_id.commercial_partner_id.id].append(line)
        statements = {}
        for partner in partners:
            items = []
            buckets = [0.0] * len(AGED_BUCKETS)
            balance = 0.0
            for line in by_partner[partner.id]:
                due = line.date_maturity or line.date
                days = max((today - due).days, 0)
                balance += line.amount_residual
                buckets[aged_bucket(days)] += line.amount_residual
                items.append(
                    {
                        "line": line,
                        "due": due,
                        "days": days,
                        "balance": balance,
                    }
                )
            lang = partner.lang or self.env.lang
            statements[partner.id] = {
                "items": items,
                "buckets": buckets,
                "balance": balance,
                "overdue": sum(buckets[1:]),
                "balance_in_words": amount_in_words(balance, company.currency_id, lang),
                "lang": lang,
            }
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": company.currency_id,
            "today": today,
            "statements": statements,
        }
