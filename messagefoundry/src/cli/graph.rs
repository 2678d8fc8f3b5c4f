//! `graph`: the wiring as text.

use std::io::Write;
use std::process::ExitCode;

use super::Wiring;

/// Prints one line per connection.
pub fn print(wiring: &Wiring<'_>, out: &mut impl Write) -> std::io::Result<ExitCode> {
    for inbound in wiring.inbounds {
        let def = inbound.def();
        writeln!(
            out,
            "inbound  {}  mllp {}:{}  -> router {}",
            def.name, def.mllp.bind, def.mllp.port, def.router.name
        )?;
    }
    for outbound in wiring.outbounds {
        let def = outbound.def();
        writeln!(
            out,
            "outbound {}  mllp {}:{}",
            def.name, def.mllp.host, def.mllp.port
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
