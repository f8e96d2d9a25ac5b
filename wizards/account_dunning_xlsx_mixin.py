from odoo import fields, models

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AccountDunningXlsxMixin(models.AbstractModel):
    """An Excel file a wizard builds and hands to the browser: kept as an
    attachment of the wizard record, so it is deleted with it and readable
    by its creator only."""

    _name = "account.dunning.xlsx.mixin"
    _description = "Excel download of a dunning wizard"

    attachment_id = fields.Many2one("ir.attachment", readonly=True)

    def _download_xlsx(self, name, raw):
        self.ensure_one()
        self.attachment_id = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": raw,
                "mimetype": XLSX_MIMETYPE,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
