//! The end-to-end tests run the example's own interface: the interface binary built from this
//! crate has exactly the example's two connections, each once, with the example's router.

#[test]
fn the_test_binary_is_wired_as_the_example() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_lab-serve"))
        .arg("graph")
        .output()
        .expect("the interface binary runs");
    assert!(output.status.success());
    let graph = String::from_utf8(output.stdout).unwrap();
    let names: Vec<(&str, &str)> = graph
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?, words.next()?))
        })
        .collect();
    assert_eq!(
        names,
        [("inbound", "IB_Lab_ORU"), ("outbound", "OB_EHR_ORU")],
        "{graph}"
    );
    assert!(graph.contains("-> router oru_router"), "{graph}");
}
