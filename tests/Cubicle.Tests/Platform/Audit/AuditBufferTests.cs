using Cubicle.Audit;

namespace Cubicle.Tests;

public sealed class AuditBufferTests
{
    [SkippableFact]
    public async Task Past_its_room_calls_wait_in_turn_until_earlier_events_are_stored()
    {
        var buffer = new AuditBuffer(100);
        Assert.True(buffer.EnterAsync(60).IsCompletedSuccessfully);
        Assert.True(buffer.EnterAsync(40).IsCompletedSuccessfully);
        var third = buffer.EnterAsync(30);
        var fourth = buffer.EnterAsync(10); // would fit once the third is in, but comes after it
        Assert.False(third.IsCompleted);
        Assert.False(fourth.IsCompleted);
        buffer.Leave(40);
        await third.WaitAsync(TimeSpan.FromSeconds(10));
        await fourth.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(100, buffer.Used);
        buffer.Leave(60);
        buffer.Leave(30);
        buffer.Leave(10);
        Assert.Equal(0, buffer.Used);
    }

    [SkippableFact]
    public async Task An_event_larger_than_the_room_goes_alone()
    {
        var buffer = new AuditBuffer(100);
        Assert.True(buffer.EnterAsync(500).IsCompletedSuccessfully);
        var next = buffer.EnterAsync(1);
        Assert.False(next.IsCompleted);
        buffer.Leave(500);
        await next.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, buffer.Used);
    }
}
