use std::process::Command;

const DEMO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../config/demo-bergamo.json"
);

fn segnala(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_segnala"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn validating_the_demo_configuration_succeeds_and_summarises_it() {
    let output = segnala(&["validate-config", DEMO]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("valid (Comune di Bergamo (demo): 6 themes"),
        "{stdout}"
    );
}

#[test]
fn a_broken_configuration_fails_and_names_each_bad_field() {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    value["routing"]["rules"][0]["office"] = "ufficio-sconosciuto".into();
    value["routing"]["default_office"] = "nessuno".into();
    let path = std::env::temp_dir().join(format!("segnala-broken-{}.json", std::process::id()));
    std::fs::write(&path, value.to_string()).unwrap();
    let output = segnala(&["validate-config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("routing.rules[0].office: no office has id `ufficio-sconosciuto`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("routing.default_office: no office has id `nessuno`"),
        "{stderr}"
    );
}

#[test]
fn a_missing_file_is_reported() {
    let output = segnala(&["validate-config", "/nonexistent/comune.json"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("cannot read"));
}

#[test]
fn without_arguments_it_prints_usage() {
    let output = segnala(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("usage: segnala validate-config"));
}

#[test]
fn a_value_of_the_wrong_form_is_named_with_its_path() {
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(DEMO).unwrap()).unwrap();
    value["offices"][1]["referent"]["email"] = "marco".into();
    let path = std::env::temp_dir().join(format!("segnala-bad-email-{}.json", std::process::id()));
    std::fs::write(&path, value.to_string()).unwrap();
    let output = segnala(&["validate-config", path.to_str().unwrap()]);
    std::fs::remove_file(&path).ok();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("offices[1].referent.email: not a valid e-mail address"),
        "{stderr}"
    );
}

#[test]
fn the_public_configuration_has_no_staff_contacts_or_routing() {
    let output = segnala(&["public-config", DEMO]);
    assert!(output.status.success());
    let public: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(public["name"], "Comune di Bergamo (demo)");
    assert_eq!(public["photos"]["max_count"], 3);
    let text = public.to_string();
    assert!(
        !text.contains("referent") && !text.contains("routing") && !text.contains("marco.bonetti")
    );
}
