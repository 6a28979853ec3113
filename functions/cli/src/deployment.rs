//! The deployment's manifest of comuni (`config/comuni.json`): listing it for the build,
//! adding a comune to it, and the stylesheet variables of a comune's colour.

use segnala_core::branding::Colour;
use segnala_core::config::ComuneConfig;
use segnala_core::deployment::Deployment;
use std::path::{Path, PathBuf};

pub struct Listed {
    pub id: String,
    pub path: PathBuf,
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn config_at(path: &Path) -> Result<ComuneConfig, String> {
    ComuneConfig::from_json(&read(path)?)
        .map_err(|errors| format!("{}: invalid configuration:\n{errors}", path.display()))
}

fn folder_of(manifest: &Path) -> &Path {
    manifest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Every comune of the manifest, each configuration checked, ids unique.
pub fn list(manifest: &Path) -> Result<(Deployment, Vec<Listed>), String> {
    let deployment = Deployment::from_json(&read(manifest)?)
        .map_err(|errors| format!("{}: invalid manifest:\n{errors}", manifest.display()))?;
    let mut listed = Vec::new();
    for comune in &deployment.comuni {
        let path = folder_of(manifest).join(&comune.config);
        let config = config_at(&path)?;
        listed.push(Listed {
            id: config.id,
            path,
        });
    }
    let ids: Vec<&str> = listed.iter().map(|l| l.id.as_str()).collect();
    deployment
        .check_ids(&ids)
        .map_err(|errors| format!("{}: invalid manifest:\n{errors}", manifest.display()))?;
    Ok((deployment, listed))
}

/// The `_headers` file for the files every comune of the manifest shares.
pub fn static_headers(manifest: &Path) -> Result<String, String> {
    let (_, listed) = list(manifest)?;
    let configs = listed
        .iter()
        .map(|l| config_at(&l.path))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(segnala_core::security_headers::shared_files_rules(&configs))
}

/// Adds the comune configured in `file`, selected by `hosts`, to the manifest, after
/// checking the file and that neither its id nor its hosts are taken. Returns its id.
pub fn add(manifest: &Path, file: &Path, hosts: Vec<String>) -> Result<String, String> {
    if hosts.is_empty() {
        return Err("give at least one --host".into());
    }
    let (deployment, listed) = list(manifest)?;
    let config = config_at(file)?;
    if let Some(taken) = listed.iter().find(|l| l.id == config.id) {
        return Err(format!(
            "{}: the id \"{}\" is already the id of {}",
            file.display(),
            config.id,
            taken.path.display()
        ));
    }
    let relative = relative_to(folder_of(manifest), file)?;
    let next = deployment
        .with_comune(&relative, hosts)
        .map_err(|errors| format!("{}: cannot add the comune:\n{errors}", manifest.display()))?;
    let json = serde_json::to_string_pretty(&next).map_err(|e| e.to_string())?;
    std::fs::write(manifest, json + "\n")
        .map_err(|e| format!("{}: cannot write: {e}", manifest.display()))?;
    Ok(config.id)
}

/// `file`'s path from `folder`, as the manifest keeps it (forward slashes).
fn relative_to(folder: &Path, file: &Path) -> Result<String, String> {
    let absolute = |p: &Path| {
        p.canonicalize()
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (folder, file) = (absolute(folder)?, absolute(file)?);
    let common = folder
        .components()
        .zip(file.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = folder
        .components()
        .skip(common)
        .map(|_| "..".into())
        .collect();
    parts.extend(
        file.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// The Sass variables of the comune's colour; empty for the kit's own.
pub fn sass_theme(file: &Path) -> Result<String, String> {
    let config = config_at(file)?;
    Ok(config
        .branding
        .primary_color
        .as_deref()
        .and_then(Colour::parse)
        .map(Colour::sass_variables)
        .unwrap_or_default())
}
