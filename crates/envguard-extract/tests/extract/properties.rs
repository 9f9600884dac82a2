use super::*;
use envguard_model::Format::Properties;

#[test]
fn separators_comments_and_escapes() {
    let text = "\
# Spring datasource
! legacy comment
spring.datasource.url=jdbc:postgresql://db:5432/app
spring.datasource.username : app
spring.datasource.password   s3cr3t\\u0021  
key\\=with\\:seps = v
greeting=caf\\u00e9 \\t tab
emoji=\\uD83D\\uDE00
only.key
";
    let out = run(Properties, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            (
                "spring.datasource.url",
                "jdbc:postgresql://db:5432/app",
                r(3, 23, 3, 52)
            ),
            ("spring.datasource.username", "app", r(4, 30, 4, 33)),
            ("spring.datasource.password", "s3cr3t!  ", r(5, 30, 5, 44)),
            ("key=with:seps", "v", r(6, 19, 6, 20)),
            ("greeting", "café \t tab", r(7, 10, 7, 26)),
            ("emoji", "\u{1F600}", r(8, 7, 8, 19)),
            ("only.key", "", r(9, 9, 9, 9)),
        ]
    );
}

#[test]
fn continuation_lines() {
    let text = "a.b = first \\\n      second \\\n  third\nnext=1\\\\\nlast=2\r\n";
    let out = run(Properties, text);
    assert_eq!(out.errors, vec![]);
    assert_eq!(
        kv(&out),
        vec![
            ("a.b", "first second third", r(1, 7, 3, 8)),
            ("next", "1\\", r(4, 6, 4, 9)),
            ("last", "2", r(5, 6, 5, 7)),
        ]
    );
}

#[test]
fn comment_lines_do_not_continue() {
    let out = run(Properties, "# note \\\nreal=1\n");
    assert_eq!(kv(&out), vec![("real", "1", r(2, 6, 2, 7))]);
}

#[test]
fn malformed_unicode_escape_is_an_issue() {
    let out = run(Properties, "ok=1\nbad=\\u12zz\nafter=2\n");
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].region, r(2, 1, 2, 11));
    assert_eq!(kv(&out)[1], ("bad", "\\u12zz", r(2, 5, 2, 11)));
    assert_eq!(kv(&out)[2].0, "after");
}

#[test]
fn latin1_files_and_spring_profile_hint() {
    let out = envguard_extract::extract(Properties, b"name=Jos\xe9\nspring.profiles.active=prod\n");
    assert_eq!(kv(&out)[0], ("name", "José", r(1, 6, 1, 10)));
    assert_eq!(
        hints(&out),
        vec![("prod", "spring.profiles.active", r(2, 24, 2, 28))]
    );
}
