int twice(int x)
{
    return FACTOR * x;
}
