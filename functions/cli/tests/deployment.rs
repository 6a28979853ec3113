use std::path::{Path, PathBuf};
use std::process::Command;

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config");

fn segnala(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(args)
        .output()
        .unwrap()
}

/// A folder with the two demo comuni's files and a manifest listing only Bergamo.
fn deployment(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("segnala-{name}-{}", std::process::id()));
    std::fs::create_dir_all(folder.join("comuni")).unwrap();
    for file in ["demo-bergamo.json", "demo-borgoverde.json"] {
        std::fs::copy(
            Path::new(CONFIG).join(file),
            folder.join("comuni").join(file),
        )
        .unwrap();
    }
    std::fs::write(
        folder.join("comuni.json"),
        r#"{"comuni": [{"config": "comuni/demo-bergamo.json", "hosts": ["segnala.bergamo.example", "*"]}]}"#,
    )
    .unwrap();
    folder
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_demo_manifest_lists_each_comune_with_its_file() {
    let output = segnala(&["comuni", &format!("{CONFIG}/comuni.json")]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let ids: Vec<&str> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids, vec!["bergamo", "borgoverde"]);
    assert!(stdout.lines().all(|l| l.ends_with(".json")), "{stdout}");
}

#[test]
fn adding_a_comune_writes_it_into_the_manifest_with_its_hosts() {
    let folder = deployment("add");
    let manifest = folder.join("comuni.json");
    let output = segnala(&[
        "add-comune",
        manifest.to_str().unwrap(),
        folder.join("comuni/demo-borgoverde.json").to_str().unwrap(),
        "--host",
        "segnala.borgoverde.example",
    ]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("added comune borgoverde"));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(
        written["comuni"][1],
        serde_json::json!({"config": "comuni/demo-borgoverde.json", "hosts": ["segnala.borgoverde.example"]})
    );
    let listed = text(&segnala(&["comuni", manifest.to_str().unwrap()]).stdout);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    std::fs::remove_dir_all(folder).ok();
}

#[test]
fn a_comune_whose_id_or_host_is_taken_is_not_added() {
    let folder = deployment("taken");
    let manifest = folder.join("comuni.json");
    let before = std::fs::read_to_string(&manifest).unwrap();
    let same_id = segnala(&[
        "add-comune",
        manifest.to_str().unwrap(),
        folder.join("comuni/demo-bergamo.json").to_str().unwrap(),
        "--host",
        "altro.example",
    ]);
    assert_eq!(same_id.status.code(), Some(1));
    assert!(
        text(&same_id.stderr).contains("already the id"),
        "{}",
        text(&same_id.stderr)
    );
    let same_host = segnala(&[
        "add-comune",
        manifest.to_str().unwrap(),
        folder.join("comuni/demo-borgoverde.json").to_str().unwrap(),
        "--host",
        "segnala.bergamo.example",
    ]);
    assert_eq!(same_host.status.code(), Some(1));
    assert!(
        text(&same_host.stderr).contains("comuni[1].hosts[0]"),
        "{}",
        text(&same_host.stderr)
    );
    let no_host = segnala(&[
        "add-comune",
        manifest.to_str().unwrap(),
        folder.join("comuni/demo-borgoverde.json").to_str().unwrap(),
    ]);
    assert_ne!(no_host.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        before,
        "the manifest is unchanged"
    );
    std::fs::remove_dir_all(folder).ok();
}

#[test]
fn an_invalid_configuration_is_not_added_and_its_problems_are_named() {
    let folder = deployment("invalid");
    let broken = folder.join("comuni/broken.json");
    let mut value: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(folder.join("comuni/demo-borgoverde.json")).unwrap(),
    )
    .unwrap();
    value["branding"]["primary_color"] = "#ffee00".into();
    std::fs::write(&broken, value.to_string()).unwrap();
    let output = segnala(&[
        "add-comune",
        folder.join("comuni.json").to_str().unwrap(),
        broken.to_str().unwrap(),
        "--host",
        "segnala.borgoverde.example",
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("branding.primary_color"),
        "{}",
        text(&output.stderr)
    );
    std::fs::remove_dir_all(folder).ok();
}

#[test]
fn a_comunes_colour_becomes_the_kits_primary_variables() {
    let output = segnala(&["sass-theme", &format!("{CONFIG}/demo-borgoverde.json")]);
    let sass = text(&output.stdout);
    assert!(
        sass.starts_with(
            "$primary-h: 124;\n$primary-s: 71;\n$primary-b: 37;\n$primary: #1b5e20;\n"
        ),
        "{sass}"
    );
    assert!(sass.contains("$primary-a8: #144718;\n"), "{sass}");
    let none = segnala(&["sass-theme", &format!("{CONFIG}/demo-bergamo.json")]);
    assert!(none.status.success());
    assert_eq!(text(&none.stdout), "");
}
