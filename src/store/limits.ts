/** The largest key, in encoded bytes. */
export const MAX_KEY_BYTES = 4096
/** The largest value, in encoded bytes: a value travels whole in one op and one diff frame. */
export const MAX_VALUE_BYTES = 1024 * 1024
