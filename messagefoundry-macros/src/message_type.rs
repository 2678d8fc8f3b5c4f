//! Message type literals (`"ORU^R01"`): checked against the crate's HL7 version while the
//! macro expands, for `#[handler(message = …)]` and `new_message!`.

use messagefoundry_hl7::MessageType;
use messagefoundry_hl7::schema::Structure;
use syn::LitStr;

use crate::manifest::{self, Manifest, Settings};

/// What a well-formed type literal is in the crate's version.
pub enum Checked {
    /// A type of the version, with its structure.
    Standard(&'static Settings, &'static Structure),
    /// A locally defined type (`Z…`): its structure is the site's own.
    Local(&'static Settings),
    /// The manifest is unusable and was reported: nothing is checked against it.
    Unchecked,
}

/// The form alone: `CODE^EVENT[^STRUCTURE]`. Errors point at the literal.
pub fn parse(lit: &LitStr) -> syn::Result<()> {
    MessageType::parse(&lit.value())
        .map(|_| ())
        .map_err(|e| syn::Error::new(lit.span(), e))
}

/// The form, and the type's structure in the crate's version.
pub fn check(lit: &LitStr) -> syn::Result<Checked> {
    let text = lit.value();
    let message_type = MessageType::parse(&text).map_err(|e| syn::Error::new(lit.span(), e))?;
    let settings = match manifest::settings() {
        Manifest::Usable(settings) => settings,
        Manifest::Report(problem) => return Err(syn::Error::new(lit.span(), problem)),
        // The build already fails with the manifest's one error.
        Manifest::Reported => return Ok(Checked::Unchecked),
    };
    match message_type.structure_in(settings.profile.version()) {
        Ok(Some(structure)) => Ok(Checked::Standard(settings, structure)),
        Ok(None) => Ok(Checked::Local(settings)),
        Err(e) => Err(syn::Error::new(lit.span(), e)),
    }
}
