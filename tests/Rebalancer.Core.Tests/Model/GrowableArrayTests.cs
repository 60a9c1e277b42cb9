using Rebalancer.Core.Model;

namespace Rebalancer.Core.Tests.Model;

public class GrowableArrayTests
{
    // Around the first chunk's doublings and the chunk boundaries (chunks hold 32,768 items).
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(32_767)]
    [InlineData(32_768)]
    [InlineData(32_769)]
    [InlineData(65_536)]
    [InlineData(100_000)]
    public void Keeps_every_item_in_order(int count)
    {
        var array = new GrowableArray<long>();
        for (int i = 0; i < count; i++)
        {
            array.Add(i * 3L);
        }

        long[] expected = [.. Enumerable.Range(0, count).Select(i => i * 3L)];
        Assert.Equal(count, array.Count);
        Assert.Equal(expected, Enumerable.Range(0, count).Select(i => array[i]).ToArray());
        Assert.Equal(expected, array.ToArray());
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32_768)]
    [InlineData(40_000)]
    public void Adding_after_ToArray_leaves_the_returned_array_alone(int count)
    {
        var array = new GrowableArray<int>();
        for (int i = 0; i < count; i++)
        {
            array.Add(i);
        }

        int[] items = array.ToArray();
        array.Add(-1);
        array.Add(-2);

        Assert.Equal(Enumerable.Range(0, count), items);
        Assert.Equal(count + 2, array.Count);
        Assert.Equal(-2, array[count + 1]);
    }
}
