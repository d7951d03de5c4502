//! `demo-invoices`: municipal invoices addressed to the subject — kommunale avgifter and
//! eiendomsskatt, kindergarten, SFO and building case fees — with amount in øre, due date, KID
//! and a Fiks Innsyn-like status.

use minside_adapter::Record;

use super::{Factory, SITE, amount, date, status, text};
use crate::DemoMunicipality;
use crate::municipality::model::InvoiceKind;

pub(crate) fn records(m: &DemoMunicipality, index: usize, f: &Factory) -> Vec<Record> {
    let Some(s) = m.services.of(index) else {
        return Vec::new();
    };
    s.invoices
        .iter()
        .map(|invoice| {
            let (code, label) = match invoice.kind {
                InvoiceKind::MunicipalFees => ("kommunale_avgifter", "Kommunale avgifter"),
                InvoiceKind::Kindergarten => ("barnehage", "Foreldrebetaling barnehage"),
                InvoiceKind::Sfo => ("sfo", "Foreldrebetaling SFO"),
                InvoiceKind::BuildingFee => ("byggesaksgebyr", "Byggesaksgebyr"),
            };
            let mut fields = vec![
                text("invoice_number", "Fakturanummer", &invoice.number),
                status("invoice_type", "Fakturatype", code, label),
                text("period", "Periode", &invoice.period),
                date("invoice_date", "Fakturadato", invoice.issued),
                date("due_date", "Forfallsdato", invoice.due),
                amount("amount", "Beløp", invoice.amount),
                text("kid", "KID", &invoice.kid),
                status(
                    "status",
                    "Status",
                    invoice.status.code(),
                    invoice.status.label(),
                ),
            ];
            if let Some(paid) = invoice.paid {
                fields.push(date("paid_date", "Betalt dato", paid));
            }
            f.record(
                "invoices",
                format!("faktura-{}", invoice.number),
                format!("{label}, {}", invoice.period),
                fields,
                Some(format!("{SITE}/min-side/faktura/{}", invoice.number)),
            )
        })
        .collect()
}
