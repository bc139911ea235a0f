;; The gear-hash scan loop of the chunker (src/core/chunk.ts), compiled by scripts/gear-wasm.mjs
;; into src/core/gear-wasm.ts. Memory layout: the 256-entry i32 gear table at offset 0, input bytes
;; anywhere after it. Positions are absolute byte offsets into the memory.
(module
  (memory (export "mem") 1)
  (func (export "scan")
    (param $i i32) (param $normal i32) (param $limit i32) (param $maskS i32) (param $maskL i32)
    (result i32)
    (local $h i32)
    (block $hard_done
      (loop $hard
        (br_if $hard_done (i32.ge_u (local.get $i) (local.get $normal)))
        (local.set $h
          (i32.add
            (i32.shl (local.get $h) (i32.const 1))
            (i32.load (i32.shl (i32.load8_u (local.get $i)) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.eqz (i32.and (local.get $h) (local.get $maskS)))
          (then (return (local.get $i))))
        (br $hard)))
    (block $easy_done
      (loop $easy
        (br_if $easy_done (i32.ge_u (local.get $i) (local.get $limit)))
        (local.set $h
          (i32.add
            (i32.shl (local.get $h) (i32.const 1))
            (i32.load (i32.shl (i32.load8_u (local.get $i)) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (i32.eqz (i32.and (local.get $h) (local.get $maskL)))
          (then (return (local.get $i))))
        (br $easy)))
    (local.get $limit)))
