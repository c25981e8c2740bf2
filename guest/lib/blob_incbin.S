/* Wraps a flat 64-bit blob into a 32-bit object; BLOB_FILE comes from guest.mk. */
    .section .blob64, "ax"
    .incbin BLOB_FILE
