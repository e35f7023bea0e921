//! Marks which database servers the tests may use, so that a test on a server that is not
//! configured is reported as ignored rather than as passed (see `on_every_backend!`).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(roster_postgres, roster_mysql)");
    for (var, cfg) in [
        ("ROSTER_TEST_POSTGRES_URL", "roster_postgres"),
        ("ROSTER_TEST_MYSQL_URL", "roster_mysql"),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        if std::env::var(var).is_ok_and(|url| !url.is_empty()) {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
