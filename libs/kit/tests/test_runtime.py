"""What every service process does at start-up."""

import gc


async def test_a_server_freezes_start_up_objects_and_collects_the_young_generation_less_often(
    kit,
) -> None:
    before = gc.get_threshold()
    runtime = kit.runtime(gc_freeze=True, gc_young_threshold=12_345)
    await runtime.start()
    try:
        assert gc.get_threshold() == (12_345, *before[1:])
        assert gc.get_freeze_count() > 0
    finally:
        await runtime.stop()
        gc.set_threshold(*before)
        gc.unfreeze()
