//! Cutting byte streams into text without splitting a UTF-8 sequence: used
//! by executors forwarding pipe reads and by the supervisor slicing log files.

/// Length of the longest prefix of `bytes` that does not end inside a
/// (possibly valid) multi-byte UTF-8 sequence. Invalid bytes count as
/// complete, so the caller's lossy conversion replaces them.
pub fn complete_prefix_len(bytes: &[u8]) -> usize {
    let len = bytes.len();
    for back in 1..=len.min(3) {
        let b = bytes[len - back];
        if b & 0b1100_0000 == 0b1000_0000 {
            continue; // continuation byte: keep looking for the lead byte
        }
        let needed = if b & 0b1110_0000 == 0b1100_0000 {
            2
        } else if b & 0b1111_0000 == 0b1110_0000 {
            3
        } else if b & 0b1111_1000 == 0b1111_0000 {
            4
        } else {
            1
        };
        return if needed > back { len - back } else { len };
    }
    len
}

#[cfg(test)]
mod tests {
    use super::complete_prefix_len;

    #[test]
    fn keeps_split_multibyte_sequences_for_the_next_read() {
        let euro = "€".as_bytes(); // 3 bytes
        assert_eq!(complete_prefix_len(b"abc"), 3);
        assert_eq!(complete_prefix_len(&[b'a', euro[0]]), 1);
        assert_eq!(complete_prefix_len(&[b'a', euro[0], euro[1]]), 1);
        assert_eq!(complete_prefix_len(&[b'a', euro[0], euro[1], euro[2]]), 4);
        assert_eq!(
            complete_prefix_len(&[b'a', 0xff]),
            2,
            "an invalid byte is passed on"
        );
        assert_eq!(complete_prefix_len(&[]), 0);
    }
}
